//! What changed between two registries (e.g. before and after an install): keys added and
//! removed, values added, changed and removed. Names match case-insensitively, as in Windows;
//! timestamps are ignored. Every key inside an added (removed) subtree is listed, and so is
//! every value in it, so a manifest can replay or undo the change from the diff alone.
//! Symbolic links are not followed: each key is compared where it is stored.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::escape::fold;
use super::hive::{Hive, KeyId, ROOT};
use super::model::RegValue;
use super::path::HiveId;
use super::set::HiveSet;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RegDiff {
    pub keys_added: Vec<String>,
    pub keys_removed: Vec<String>,
    pub values_added: Vec<ValueAt>,
    pub values_changed: Vec<ValueChange>,
    pub values_removed: Vec<ValueAt>,
}

/// A value and the key (full Windows path) it is in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueAt {
    pub key: String,
    pub value: RegValue,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueChange {
    pub key: String,
    pub old: RegValue,
    pub new: RegValue,
}

impl RegDiff {
    pub fn is_empty(&self) -> bool {
        self.keys_added.is_empty()
            && self.keys_removed.is_empty()
            && self.values_added.is_empty()
            && self.values_changed.is_empty()
            && self.values_removed.is_empty()
    }
}

/// Differences from `old` to `new` over all three hives.
pub fn diff_sets(old: &HiveSet, new: &HiveSet) -> RegDiff {
    let mut d = RegDiff::default();
    for id in HiveId::ALL {
        diff_hives(old.hive(id), new.hive(id), id.display_root(), &mut d);
    }
    d
}

/// Differences between two hives; paths start with `root` (e.g. `HKEY_LOCAL_MACHINE`).
pub fn diff_hives(old: &Hive, new: &Hive, root: &str, d: &mut RegDiff) {
    diff_keys(old, ROOT, new, ROOT, root, d);
}

/// Compares key `a` of `old` with key `b` of `new`, then their children, in stored order.
fn diff_keys(old: &Hive, a: KeyId, new: &Hive, b: KeyId, path: &str, d: &mut RegDiff) {
    diff_values(old.values(a), new.values(b), path, d);
    let theirs: HashMap<String, KeyId> = new
        .children(b)
        .iter()
        .map(|&c| (fold(new.name(c)), c))
        .collect();
    let mut matched = HashSet::new();
    for &ca in old.children(a) {
        match theirs.get(&fold(old.name(ca))) {
            Some(&cb) => {
                matched.insert(cb);
                diff_keys(old, ca, new, cb, &format!("{path}\\{}", new.name(cb)), d);
            }
            None => {
                let child_path = format!("{path}\\{}", old.name(ca));
                whole_subtree(
                    old,
                    ca,
                    &child_path,
                    &mut d.keys_removed,
                    &mut d.values_removed,
                );
            }
        }
    }
    for &cb in new.children(b) {
        if !matched.contains(&cb) {
            let child_path = format!("{path}\\{}", new.name(cb));
            whole_subtree(new, cb, &child_path, &mut d.keys_added, &mut d.values_added);
        }
    }
}

fn diff_values(old: &[RegValue], new: &[RegValue], key: &str, d: &mut RegDiff) {
    let theirs: HashMap<String, &RegValue> = new.iter().map(|v| (fold(&v.name), v)).collect();
    let ours: HashMap<String, &RegValue> = old.iter().map(|v| (fold(&v.name), v)).collect();
    for v in old {
        match theirs.get(&fold(&v.name)) {
            Some(n) if n.raw_type != v.raw_type || n.data != v.data => {
                d.values_changed.push(ValueChange {
                    key: key.to_string(),
                    old: v.clone(),
                    new: (*n).clone(),
                })
            }
            Some(_) => {}
            None => d.values_removed.push(ValueAt {
                key: key.to_string(),
                value: v.clone(),
            }),
        }
    }
    for v in new {
        if !ours.contains_key(&fold(&v.name)) {
            d.values_added.push(ValueAt {
                key: key.to_string(),
                value: v.clone(),
            });
        }
    }
}

/// Lists `id` and every key below it, with their values.
fn whole_subtree(
    h: &Hive,
    id: KeyId,
    path: &str,
    keys: &mut Vec<String>,
    values: &mut Vec<ValueAt>,
) {
    let mut stack = vec![(id, path.to_string())];
    while let Some((k, p)) = stack.pop() {
        for v in h.values(k) {
            values.push(ValueAt {
                key: p.clone(),
                value: v.clone(),
            });
        }
        for &c in h.children(k).iter().rev() {
            stack.push((c, format!("{p}\\{}", h.name(c))));
        }
        keys.push(p);
    }
}
