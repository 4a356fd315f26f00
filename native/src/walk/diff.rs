//! Differences between two trees, and the overlay view capture needs: what an upper layer adds,
//! changes and removes relative to its lower layer, computed from the two manifests alone.

use std::collections::HashSet;

use serde::Serialize;

use super::entry::{Entry, Kind};
use super::tree::Tree;

/// What differs at one path. Timestamps, inode, link count and a directory's size never count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Reason {
    /// File, directory, symlink or other: nothing else is compared when this differs.
    Kind,
    /// A file's hash; without hashes on both sides, its size or mtime.
    Content,
    LinkTarget,
    /// Permission bits or, for `Other`, the file type bits.
    Mode,
    /// A device's number.
    Device,
    Whiteout,
    Opaque,
}

/// One path present in both trees with different content or metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub path: String,
    pub before: Entry,
    pub after: Entry,
    pub reasons: Vec<Reason>,
}

/// Every list is sorted by path. Directories appear too, recognisable by `kind: dir`; a removed
/// directory is listed with everything that was under it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeDiff {
    pub added: Vec<Entry>,
    pub changed: Vec<Change>,
    pub removed: Vec<Entry>,
}

impl TreeDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Why `before` and `after` (same path) differ; empty when they count as equal.
pub fn compare(before: &Entry, after: &Entry) -> Vec<Reason> {
    if before.kind != after.kind {
        return vec![Reason::Kind];
    }
    let mut reasons = Vec::new();
    match before.kind {
        Kind::File => {
            let content_differs = match (before.hash, after.hash) {
                (Some(a), Some(b)) => a != b,
                _ => before.size != after.size || before.mtime != after.mtime,
            };
            if content_differs {
                reasons.push(Reason::Content);
            }
        }
        Kind::Symlink if before.link_target != after.link_target => {
            reasons.push(Reason::LinkTarget)
        }
        Kind::Other if before.rdev != after.rdev => reasons.push(Reason::Device),
        _ => {}
    }
    if before.mode != after.mode {
        reasons.push(Reason::Mode);
    }
    if before.whiteout != after.whiteout {
        reasons.push(Reason::Whiteout);
    }
    if before.opaque != after.opaque {
        reasons.push(Reason::Opaque);
    }
    reasons
}

/// What turned `before` into `after`: one merge pass over the two sorted entry lists.
pub fn diff(before: &Tree, after: &Tree) -> TreeDiff {
    let (a, b) = (before.entries(), after.entries());
    let (mut i, mut j) = (0, 0);
    let mut out = TreeDiff::default();
    while i < a.len() || j < b.len() {
        let order = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.path.as_bytes().cmp(y.path.as_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                out.removed.push(a[i].clone());
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.added.push(b[j].clone());
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let reasons = compare(&a[i], &b[j]);
                if !reasons.is_empty() {
                    let (before, after) = (a[i].clone(), b[j].clone());
                    out.changed.push(Change {
                        path: after.path.clone(),
                        before,
                        after,
                        reasons,
                    });
                }
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The tree overlayfs would show for `upper` mounted over `lower`, built from manifests: upper
/// entries win; a whiteout deletes the lower entry and everything under it; a non-directory in
/// upper hides a lower directory's contents; an opaque upper directory hides the lower contents
/// below it. Whiteouts themselves do not appear, and merged directories are not marked opaque.
pub fn merge_overlay(lower: &Tree, upper: &Tree) -> Tree {
    let mut hides_below: HashSet<&str> = HashSet::new();
    for u in upper.entries() {
        if u.kind != Kind::Dir || u.whiteout || u.opaque {
            hides_below.insert(&u.path);
        }
    }
    let hidden = |path: &str| {
        path.match_indices('/')
            .any(|(at, _)| hides_below.contains(&path[..at]))
    };
    let mut merged: Vec<Entry> = lower
        .entries()
        .iter()
        .filter(|l| upper.get(&l.path).is_none() && !hidden(&l.path))
        .cloned()
        .collect();
    merged.extend(
        upper
            .entries()
            .iter()
            .filter(|u| !u.whiteout)
            .map(|u| Entry {
                opaque: false,
                ..u.clone()
            }),
    );
    Tree::from_entries(merged)
        .expect("entries of two valid trees, deduplicated by path, stay valid")
}

/// Classify an overlay upper layer against its lower layer, as capture needs without mounting:
/// added (not in lower), changed (in lower, different), removed (whited out, or hidden by an
/// opaque directory or by a non-directory replacing a directory). Equals
/// `diff(lower, &merge_overlay(lower, upper))`; a copied-up but unmodified file is not reported.
pub fn diff_overlay_upper(lower: &Tree, upper: &Tree) -> TreeDiff {
    diff(lower, &merge_overlay(lower, upper))
}
