//! One Wine hive in memory: a tree of keys in an arena, with a case-folded index for lookups
//! and everything the file said that we do not interpret (metadata and unknown lines) kept
//! verbatim, so an unchanged hive writes back byte for byte.
//!
//! Order matters to Wine: it keeps subkeys and values sorted case-insensitively and writes
//! them in that order, so new keys and values are inserted at their sorted place.

use std::time::{SystemTime, UNIX_EPOCH};

use super::error::RegError;
use super::escape::{cmp_names, names_eq};
use super::index::NameIndex;
use super::model::{RegValue, REG_LINK};

/// Wine's limits (server/registry.c MAX_NAME_LEN, MAX_VALUE_LEN), in UTF-16 units.
pub const MAX_KEY_NAME: usize = 255;
pub const MAX_VALUE_NAME: usize = 16383;

/// 100 ns intervals between 1601-01-01 and 1970-01-01 (Windows FILETIME vs Unix epoch).
pub const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

/// Index of a key in its hive's arena.
pub type KeyId = usize;

pub const ROOT: KeyId = 0;

/// The text after `]` on a key line. Wine writes " <unix seconds>"; that common form is kept
/// as a number (no allocation per key), anything else verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// The key had no section of its own (implied by its subkeys, or new).
    Missing,
    Secs(u64),
    Raw(String),
}

impl Stamp {
    /// Reads the text after `]`, keeping it exactly.
    pub fn parse(text: &[u8]) -> Stamp {
        if let Some(digits) = text.strip_prefix(b" ") {
            let canonical = !digits.is_empty()
                && digits.len() <= 19
                && digits.iter().all(u8::is_ascii_digit)
                && (digits[0] != b'0' || digits.len() == 1);
            if canonical {
                return Stamp::Secs(digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')));
            }
        }
        Stamp::Raw(String::from_utf8_lossy(text).into_owned())
    }
}

/// `#time=` followed by exactly what Wine's `%x%08x` prints, else None.
pub(crate) fn canonical_time(line: &[u8]) -> Option<u64> {
    let digits = line.strip_prefix(b"#time=")?;
    let ok = (9..=16).contains(&digits.len())
        && digits
            .iter()
            .all(|d| d.is_ascii_digit() || (b'a'..=b'f').contains(d))
        && (digits[0] != b'0' || digits.len() == 9);
    ok.then(|| {
        digits
            .iter()
            .fold(0u64, |n, &d| n << 4 | u64::from(super::escape::hex_val(d)))
    })
}

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub name: String,
    pub parent: Option<KeyId>,
    pub children: Vec<KeyId>,
    pub values: Vec<RegValue>,
    /// `#time=` in Wine's own format (written first); any other form stays in `meta`.
    pub time: Option<u64>,
    /// Other `#...` lines of the key section (`#class=`, `#link`, unknown), verbatim.
    pub meta: Vec<String>,
    /// Comment or unrecognised lines inside the section, with how many values preceded them.
    pub others: Vec<(usize, String)>,
    /// What followed `]` on the key line.
    pub stamp: Stamp,
    /// Whether the file had a `[...]` section for this key (else it only exists as a parent).
    pub explicit: bool,
}

impl Node {
    fn new(name: String, parent: Option<KeyId>) -> Node {
        Node {
            name,
            parent,
            children: Vec::new(),
            values: Vec::new(),
            time: None,
            meta: Vec::new(),
            others: Vec::new(),
            stamp: Stamp::Missing,
            explicit: false,
        }
    }
}

/// A parsed hive file.
#[derive(Clone, Debug)]
pub struct Hive {
    /// Lines between `WINE REGISTRY Version 2` and the first key (comment, `#arch=`...), verbatim.
    pub(crate) header: Vec<String>,
    pub(crate) nodes: Vec<Node>,
    /// (parent, folded name) -> child.
    index: NameIndex,
    dirty: bool,
}

/// The current time as a Windows FILETIME (what Wine's server stores as a key's modification time).
pub fn filetime_now() -> u64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    FILETIME_UNIX_EPOCH + d.as_secs() * 10_000_000 + u64::from(d.subsec_nanos() / 100)
}

impl Hive {
    /// An empty hive with Wine's header; `root_comment` as the file spells it (`REGISTRY\\Machine`).
    pub fn new(root_comment: &str) -> Hive {
        let mut h = Hive::empty();
        h.header = vec![
            format!(";; All keys relative to {root_comment}"),
            String::new(),
            "#arch=win64".into(),
        ];
        h
    }

    pub(crate) fn empty() -> Hive {
        Hive::with_capacity(0)
    }

    /// An empty hive with room for about `keys` keys (parsing sizes it from the file length).
    pub(crate) fn with_capacity(keys: usize) -> Hive {
        let mut nodes = Vec::with_capacity(keys + 1);
        nodes.push(Node::new(String::new(), None));
        Hive {
            header: Vec::new(),
            nodes,
            index: NameIndex::with_capacity(keys),
            dirty: false,
        }
    }

    /// True once anything was changed through the editing methods.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub(crate) fn mark_clean(&mut self) {
        self.dirty = false;
    }

    /// The raw header lines (the first is `;; All keys relative to ...` in Wine's files).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    #[cfg(test)]
    pub(crate) fn node(&self, id: KeyId) -> &Node {
        &self.nodes[id]
    }

    pub(crate) fn node_mut(&mut self, id: KeyId) -> &mut Node {
        &mut self.nodes[id]
    }

    /// The child of `parent` with this name, case-insensitively.
    pub fn child(&self, parent: KeyId, name: &str) -> Option<KeyId> {
        let hash = self.index.hash(parent, name);
        self.index.candidates(hash).find(|&id| {
            self.nodes[id].parent == Some(parent) && names_eq(&self.nodes[id].name, name)
        })
    }

    /// Key names of `id`'s children, in stored order and case.
    pub fn subkey_names(&self, id: KeyId) -> Vec<String> {
        self.nodes[id]
            .children
            .iter()
            .map(|&c| self.nodes[c].name.clone())
            .collect()
    }

    pub fn values(&self, id: KeyId) -> &[RegValue] {
        &self.nodes[id].values
    }

    pub fn name(&self, id: KeyId) -> &str {
        &self.nodes[id].name
    }

    pub fn children(&self, id: KeyId) -> &[KeyId] {
        &self.nodes[id].children
    }

    /// Follows a relative path (components already split); no symlink handling here.
    pub fn find(&self, components: &[&str]) -> Option<KeyId> {
        let mut id = ROOT;
        for c in components {
            id = self.child(id, c)?;
        }
        Some(id)
    }

    /// The path of `id` relative to the hive root, components joined with `\`.
    pub fn path_of(&self, id: KeyId) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(id);
        while let Some(k) = cur {
            if k != ROOT {
                parts.push(self.nodes[k].name.as_str());
            }
            cur = self.nodes[k].parent;
        }
        parts.reverse();
        parts.join("\\")
    }

    /// Adds a child at its sorted place (or returns the existing one). `explicit` marks keys that
    /// had their own section in a parsed file; `time` stamps a key created through the API.
    pub(crate) fn get_or_add_child(
        &mut self,
        parent: KeyId,
        name: &str,
        time: Option<u64>,
    ) -> Result<(KeyId, bool), RegError> {
        let hash = self.index.hash(parent, name);
        let existing = self.index.candidates(hash).find(|&id| {
            names_eq(&self.nodes[id].name, name) && self.nodes[id].parent == Some(parent)
        });
        if let Some(id) = existing {
            return Ok((id, false));
        }
        if name.is_empty() || name.encode_utf16().count() > MAX_KEY_NAME || name.contains('\\') {
            return Err(RegError::invalid(format!(
                "invalid key name {name:?} (1 to {MAX_KEY_NAME} characters, no backslash)"
            )));
        }
        let id = self.nodes.len();
        self.index.insert(hash, id);
        let mut node = Node::new(name.to_string(), Some(parent));
        if let Some(t) = time {
            set_time(&mut node, t);
        }
        self.nodes.push(node);
        let siblings = &self.nodes[parent].children;
        // Parsing appends (the file is already in Wine's order); API inserts keep the sort.
        let pos = if time.is_none() {
            siblings.len()
        } else {
            siblings.partition_point(|&s| cmp_names(&self.nodes[s].name, name).is_lt())
        };
        self.nodes[parent].children.insert(pos, id);
        Ok((id, true))
    }

    /// Creates `components` under `base` as needed; returns the key and whether anything was created.
    pub fn create_path(
        &mut self,
        base: KeyId,
        components: &[&str],
    ) -> Result<(KeyId, bool), RegError> {
        let now = filetime_now();
        let mut id = base;
        let mut created_any = false;
        for c in components {
            let (next, created) = self.get_or_add_child(id, c, Some(now))?;
            if created && !created_any {
                // Wine touches the parent of a newly created key.
                self.touch(id, now);
                created_any = true;
            }
            id = next;
        }
        if created_any {
            self.dirty = true;
        }
        Ok((id, created_any))
    }

    /// Sets (adds or replaces) a value, keeping Wine's sorted value order.
    pub fn set_value(&mut self, id: KeyId, value: RegValue) -> Result<(), RegError> {
        if value.name.encode_utf16().count() > MAX_VALUE_NAME {
            return Err(RegError::invalid(format!(
                "value name longer than {MAX_VALUE_NAME} characters"
            )));
        }
        let node = &mut self.nodes[id];
        match node
            .values
            .iter()
            .position(|v| names_eq(&v.name, &value.name))
        {
            // Windows keeps the stored name's case when a value is overwritten.
            Some(i) => {
                let old = &mut node.values[i];
                old.raw_type = value.raw_type;
                old.data = value.data;
            }
            None => {
                let pos = node
                    .values
                    .partition_point(|v| cmp_names(&v.name, &value.name).is_lt());
                for other in node.others.iter_mut().filter(|o| o.0 > pos) {
                    other.0 += 1;
                }
                node.values.insert(pos, value);
            }
        }
        self.touch(id, filetime_now());
        self.dirty = true;
        Ok(())
    }

    /// Value of that name (case-insensitive), if any.
    pub fn get_value(&self, id: KeyId, name: &str) -> Option<&RegValue> {
        self.nodes[id]
            .values
            .iter()
            .find(|v| names_eq(&v.name, name))
    }

    /// Removes a value; false when there was none.
    pub fn delete_value(&mut self, id: KeyId, name: &str) -> bool {
        let node = &mut self.nodes[id];
        let Some(i) = node.values.iter().position(|v| names_eq(&v.name, name)) else {
            return false;
        };
        node.values.remove(i);
        for other in node.others.iter_mut().filter(|o| o.0 > i) {
            other.0 -= 1;
        }
        self.touch(id, filetime_now());
        self.dirty = true;
        true
    }

    /// Removes a key and everything below it. The root cannot be deleted.
    pub fn delete_key(&mut self, id: KeyId) -> Result<(), RegError> {
        let Some(parent) = self.nodes[id].parent else {
            return Err(RegError::invalid("cannot delete the root of a hive"));
        };
        self.nodes[parent].children.retain(|&c| c != id);
        let mut stack = vec![id];
        while let Some(k) = stack.pop() {
            let node = &mut self.nodes[k];
            stack.append(&mut node.children);
            node.values.clear();
            let hash = self.index.hash(node.parent.unwrap_or(ROOT), &node.name);
            self.index.remove(hash, k);
        }
        self.touch(parent, filetime_now());
        self.dirty = true;
        Ok(())
    }

    /// Updates a key's modification time the way Wine writes it: `] <unix secs>` and `#time=<hex>`.
    pub(crate) fn touch(&mut self, id: KeyId, filetime: u64) {
        set_time(&mut self.nodes[id], filetime);
    }

    /// The key's modification time as FILETIME: `#time=` if present, else the `]` stamp.
    pub fn modified_filetime(&self, id: KeyId) -> Option<u64> {
        let node = &self.nodes[id];
        if node.time.is_some() {
            return node.time;
        }
        // Like Wine's loader: the hex digits after `#time=`, up to the first other character.
        if let Some(t) = node.meta.iter().find_map(|m| m.strip_prefix("#time=")) {
            let digits: String = t
                .chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .take(16)
                .collect();
            return u64::from_str_radix(&digits, 16).ok();
        }
        let secs = match &node.stamp {
            Stamp::Secs(n) => *n,
            Stamp::Raw(s) => s.trim().parse().ok()?,
            Stamp::Missing => return None,
        };
        Some(
            secs.saturating_mul(10_000_000)
                .saturating_add(FILETIME_UNIX_EPOCH),
        )
    }

    /// Modification time in Unix seconds.
    pub fn modified_unix(&self, id: KeyId) -> Option<i64> {
        self.modified_filetime(id)
            .map(|t| (t as i64 - FILETIME_UNIX_EPOCH as i64).div_euclid(10_000_000))
    }

    /// A Wine symbolic link key (`#link` plus a REG_LINK `SymbolicLinkValue`): its target path.
    pub fn link_target(&self, id: KeyId) -> Option<String> {
        let node = &self.nodes[id];
        if !node.meta.iter().any(|m| m.starts_with("#link")) {
            return None;
        }
        let v = self.get_value(id, "SymbolicLinkValue")?;
        if v.raw_type != REG_LINK {
            return None;
        }
        let mut units = super::escape::bytes_to_units(&v.data);
        while units.last() == Some(&0) {
            units.pop();
        }
        Some(String::from_utf16_lossy(&units))
    }

    /// Every live key below `id` (not `id` itself), parents before children, in stored order.
    pub fn descendants(&self, id: KeyId) -> Vec<KeyId> {
        let mut out = Vec::new();
        let mut stack: Vec<KeyId> = self.nodes[id].children.iter().rev().copied().collect();
        while let Some(k) = stack.pop() {
            out.push(k);
            stack.extend(self.nodes[k].children.iter().rev().copied());
        }
        out
    }
}

fn set_time(node: &mut Node, filetime: u64) {
    let secs = filetime.saturating_sub(FILETIME_UNIX_EPOCH) / 10_000_000;
    node.stamp = Stamp::Secs(secs);
    node.time = Some(filetime);
    node.meta.retain(|m| !m.starts_with("#time="));
}
