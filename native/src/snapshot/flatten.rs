//! Stacked layers as one: the single upper dir that, over the same base runtime, shows what
//! `upper` over frozen layers F1, F2... (a clone's `lowerdir=F1:F2:runtime`) shows. Snapshots
//! of a clone record this flattened layer, so a restore needs no frozen layer.
//!
//! overlayfs rules, applied top to bottom: an entry in a higher layer wins; below a whiteout, a
//! non-directory or an opaque directory nothing of the lower layers is seen; a directory present
//! in several layers merges their contents. When a higher directory merges with a lower layer
//! that ends the lookup there (the lower one is opaque, a whiteout or not a directory), the
//! flattened directory must hide the runtime below too, so it becomes opaque. Whiteouts of lower
//! layers that nothing above hides stay: they delete runtime entries.

use std::collections::{HashMap, HashSet};

use crate::walk::{Entry, Kind};

/// Whether entries of lower layers below `e`'s path are invisible.
fn hides_below(e: &Entry) -> bool {
    e.whiteout || e.kind != Kind::Dir || e.opaque
}

/// Flatten `layers` (top first). Returns every visible entry with the index of the layer it
/// comes from, sorted by path bytes.
pub fn flatten(mut layers: Vec<Vec<Entry>>) -> Vec<(Entry, u8)> {
    if layers.is_empty() {
        return Vec::new();
    }
    let top = layers.remove(0);
    let mut acc: Vec<(Entry, u8)> = top.into_iter().map(|e| (e, 0)).collect();
    for (i, layer) in layers.into_iter().enumerate() {
        let src = (i + 1) as u8;
        let at: HashMap<String, usize> = acc
            .iter()
            .enumerate()
            .map(|(k, (e, _))| (e.path.clone(), k))
            .collect();
        let blocked: HashSet<String> = acc
            .iter()
            .filter(|(e, _)| hides_below(e))
            .map(|(e, _)| e.path.clone())
            .collect();
        let mut added = Vec::new();
        for e in layer {
            let ancestor_blocks = e
                .path
                .match_indices('/')
                .any(|(k, _)| blocked.contains(&e.path[..k]));
            if ancestor_blocks {
                continue;
            }
            match at.get(&e.path) {
                Some(&k) => {
                    // Present above. Only a plain directory above merges; if this layer ends
                    // the lookup here, the flattened directory must hide the runtime too.
                    let above = &mut acc[k].0;
                    if !hides_below(above) && hides_below(&e) {
                        above.opaque = true;
                    }
                }
                None => added.push((e, src)),
            }
        }
        acc.extend(added);
    }
    acc.sort_unstable_by(|a, b| a.0.path.as_bytes().cmp(b.0.path.as_bytes()));
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::Timestamp;

    fn e(path: &str, kind: Kind) -> Entry {
        Entry {
            path: path.into(),
            kind,
            mode: if kind == Kind::Dir {
                0o040755
            } else {
                0o100644
            },
            size: 0,
            mtime: Timestamp::default(),
            ctime: Timestamp::default(),
            ino: 0,
            dev: 0,
            nlink: 1,
            rdev: None,
            link_target: None,
            hash: None,
            whiteout: false,
            opaque: false,
        }
    }
    fn wh(path: &str) -> Entry {
        Entry {
            whiteout: true,
            rdev: Some(0),
            mode: 0o020000,
            ..e(path, Kind::Other)
        }
    }
    fn opaque(path: &str) -> Entry {
        Entry {
            opaque: true,
            ..e(path, Kind::Dir)
        }
    }
    fn show(out: &[(Entry, u8)]) -> Vec<String> {
        out.iter()
            .map(|(e, s)| {
                let mark = if e.whiteout {
                    " wh"
                } else if e.opaque {
                    " opaque"
                } else {
                    ""
                };
                format!("{}{mark} @{s}", e.path)
            })
            .collect()
    }

    #[test]
    fn upper_wins_and_directories_merge() {
        let upper = vec![
            e("a", Kind::Dir),
            e("a/new", Kind::File),
            e("f", Kind::File),
        ];
        let lower = vec![
            e("a", Kind::Dir),
            e("a/old", Kind::File),
            e("f", Kind::File),
            e("g", Kind::File),
        ];
        assert_eq!(
            show(&flatten(vec![upper, lower])),
            ["a @0", "a/new @0", "a/old @1", "f @0", "g @1"]
        );
    }

    #[test]
    fn whiteouts_files_and_opaque_dirs_hide_what_is_below() {
        let upper = vec![
            wh("gone"),
            e("file", Kind::File),
            opaque("op"),
            e("op/mine", Kind::File),
        ];
        let lower = vec![
            e("gone", Kind::Dir),
            e("gone/x", Kind::File),
            e("file", Kind::Dir),
            e("file/y", Kind::File),
            e("op", Kind::Dir),
            e("op/theirs", Kind::File),
            wh("deleted-in-lower"),
        ];
        assert_eq!(
            show(&flatten(vec![upper, lower])),
            [
                "deleted-in-lower wh @1",
                "file @0",
                "gone wh @0",
                "op opaque @0",
                "op/mine @0"
            ]
        );
    }

    #[test]
    fn a_lower_layer_that_ends_the_lookup_makes_the_merged_dir_opaque() {
        // Upper has a plain dir; the frozen layer below deleted the runtime's directory there
        // (whiteout) or replaced it (opaque): the flattened dir must hide the runtime too.
        let upper = vec![
            e("d1", Kind::Dir),
            e("d1/u", Kind::File),
            e("d2", Kind::Dir),
        ];
        let lower = vec![wh("d1"), opaque("d2"), e("d2/l", Kind::File)];
        assert_eq!(
            show(&flatten(vec![upper, lower])),
            ["d1 opaque @0", "d1/u @0", "d2 opaque @0", "d2/l @1"]
        );
    }

    #[test]
    fn three_layers_stack() {
        let top = vec![wh("b")];
        let mid = vec![e("a", Kind::File), e("b", Kind::File)];
        let bottom = vec![e("a", Kind::Dir), e("a/x", Kind::File), e("c", Kind::File)];
        assert_eq!(
            show(&flatten(vec![top, mid, bottom])),
            ["a @1", "b wh @0", "c @2"]
        );
    }
}
