//! The case-insensitive (parent, name) -> key index of a hive, without allocating per lookup:
//! the folded name is streamed into a keyed SipHash (std's `RandomState`, so crafted names
//! cannot force collisions) and the 64-bit result is the map key. Candidates are confirmed by
//! comparing names, so even a collision cannot return the wrong key.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use super::escape::fold_char;
use super::hive::KeyId;

/// The map key is already a keyed hash: pass it through.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    state: RandomState,
    map: HashMap<u64, KeyId, BuildHasherDefault<PassThrough>>,
    /// Keys whose hash was already taken by another (parent, name): practically never used.
    overflow: Vec<(u64, KeyId)>,
}

impl NameIndex {
    pub fn with_capacity(n: usize) -> NameIndex {
        NameIndex {
            map: HashMap::with_capacity_and_hasher(n, Default::default()),
            ..Default::default()
        }
    }

    /// The hash of `name` folded, under `parent`.
    pub fn hash(&self, parent: KeyId, name: &str) -> u64 {
        let mut h = self.state.build_hasher();
        h.write_usize(parent);
        let mut buf = [0u8; 64];
        let mut n = 0;
        for c in name.chars() {
            if n + 4 > buf.len() {
                h.write(&buf[..n]);
                n = 0;
            }
            n += fold_char(c).encode_utf8(&mut buf[n..]).len();
        }
        h.write(&buf[..n]);
        // 0xFF never occurs in UTF-8: ends the name unambiguously.
        h.write_u8(0xFF);
        h.finish()
    }

    /// Keys stored under this hash; the caller confirms the name.
    pub fn candidates(&self, hash: u64) -> impl Iterator<Item = KeyId> + '_ {
        let first = self.map.get(&hash).copied();
        let rest = self
            .overflow
            .iter()
            .filter(move |(h, _)| first.is_some() && *h == hash)
            .map(|&(_, id)| id);
        first.into_iter().chain(rest)
    }

    pub fn insert(&mut self, hash: u64, id: KeyId) {
        if let Some(&taken) = self.map.get(&hash) {
            if taken != id {
                self.overflow.push((hash, id));
            }
            return;
        }
        self.map.insert(hash, id);
    }

    pub fn remove(&mut self, hash: u64, id: KeyId) {
        if let Some(i) = self
            .overflow
            .iter()
            .position(|&(h, k)| h == hash && k == id)
        {
            self.overflow.swap_remove(i);
            return;
        }
        if self.map.get(&hash) == Some(&id) {
            self.map.remove(&hash);
            // Promote an overflow entry so lookups keep finding it.
            if let Some(i) = self.overflow.iter().position(|&(h, _)| h == hash) {
                let (_, k) = self.overflow.swap_remove(i);
                self.map.insert(hash, k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_fold_case_and_separate_parents() {
        let idx = NameIndex::default();
        assert_eq!(idx.hash(1, "Software"), idx.hash(1, "SOFTWARE"));
        assert_eq!(idx.hash(1, "Déjà"), idx.hash(1, "DÉJÀ"));
        assert_ne!(idx.hash(1, "Software"), idx.hash(2, "Software"));
        assert_ne!(idx.hash(1, "ab"), idx.hash(1, "abc"));
        let long = "x".repeat(300);
        assert_eq!(idx.hash(0, &long), idx.hash(0, &long.to_uppercase()));
    }

    #[test]
    fn collisions_fall_back_to_the_overflow_list() {
        let mut idx = NameIndex::default();
        idx.insert(7, 1);
        idx.insert(7, 2);
        idx.insert(7, 3);
        assert_eq!(idx.candidates(7).collect::<Vec<_>>(), vec![1, 2, 3]);
        idx.remove(7, 1);
        let mut left: Vec<_> = idx.candidates(7).collect();
        left.sort();
        assert_eq!(left, vec![2, 3]);
        idx.remove(7, 3);
        idx.remove(7, 2);
        assert_eq!(idx.candidates(7).count(), 0);
    }
}
