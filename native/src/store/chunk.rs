//! Content-defined chunking (FastCDC with normalized chunk sizes) for the files that are
//! rewritten whole yet change in a few places: Wine's registry hives. Two containers with the
//! same app hold 1.7 MB system.reg files that differ in a few dozen scattered lines (key times,
//! the install's own keys); stored whole, the second container would double the store, chunked
//! it adds about 3%.
//!
//! Chunk boundaries depend on the bytes around them only (a rolling gear hash), so an edit moves
//! the boundaries next to it and no others. The gear table is fixed (SplitMix64 from a constant
//! seed), so every machine cuts the same content the same way and imports dedupe too.
//!
//! Chunking is a policy decision per file (`should_chunk`): only hives, because everywhere else
//! whole-file objects are cheaper (one file per content instead of one per 4 KiB).

/// Smallest, normal and largest chunk. Small chunks because hive edits are scattered lines:
/// measured on two real Acme installs, 4 KiB chunks store 2.6% of the hives again, 8 KiB 3.5%.
pub const MIN: usize = 1024;
pub const AVG: usize = 4 * 1024;
pub const MAX: usize = 32 * 1024;

/// Files smaller than this are stored whole even when they are hives (userdef.reg is 4 KiB).
pub const FILE_MIN: usize = 16 * 1024;
/// Files larger than this are stored whole (chunking holds the file in memory).
pub const FILE_MAX: usize = 256 * 1024 * 1024;

/// What a Wine hive starts with.
const HIVE_MAGIC: &[u8] = b"WINE REGISTRY Version ";

/// Whether content starting with `head` and `size` bytes long is stored as chunks.
pub fn should_chunk(head: &[u8], size: usize) -> bool {
    (FILE_MIN..=FILE_MAX).contains(&size) && head.starts_with(HIVE_MAGIC)
}

const fn gear_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut state: u64 = 0x6f72_6269_745f_6364; // "orbit_cd"
    let mut i = 0;
    while i < 256 {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        table[i] = z ^ (z >> 31);
        i += 1;
    }
    table
}

static GEAR: [u64; 256] = gear_table();

/// log2(AVG) = 12 bits; before the normal size two more (harder to cut), after it two fewer.
const MASK_HARD: u64 = !0u64 << (64 - 14);
const MASK_EASY: u64 = !0u64 << (64 - 10);

/// Length of the first chunk of `data`.
pub fn cut(data: &[u8]) -> usize {
    let n = data.len();
    if n <= MIN {
        return n;
    }
    let end = n.min(MAX);
    let normal = end.min(AVG);
    let mut h: u64 = 0;
    let mut i = MIN;
    while i < normal {
        h = (h << 1).wrapping_add(GEAR[data[i] as usize]);
        if h & MASK_HARD == 0 {
            return i + 1;
        }
        i += 1;
    }
    while i < end {
        h = (h << 1).wrapping_add(GEAR[data[i] as usize]);
        if h & MASK_EASY == 0 {
            return i + 1;
        }
        i += 1;
    }
    end
}

/// Split `data` into chunks (borrowed slices, in order, covering it exactly).
pub fn chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(data.len() / AVG + 1);
    let mut rest = data;
    while !rest.is_empty() {
        let n = cut(rest);
        out.push(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s as u8
            })
            .collect()
    }

    #[test]
    fn chunks_cover_the_input_within_bounds() {
        let data = pseudo_random(1 << 20, 7);
        let parts = chunks(&data);
        assert_eq!(parts.concat(), data);
        for p in &parts[..parts.len() - 1] {
            assert!((MIN..=MAX).contains(&p.len()), "{}", p.len());
        }
        let avg = data.len() / parts.len();
        assert!((AVG / 2..AVG * 2).contains(&avg), "average chunk {avg}");
    }

    #[test]
    fn an_edit_changes_only_nearby_chunks() {
        let a = pseudo_random(1 << 20, 9);
        let mut b = a.clone();
        b.splice(500_000..500_010, b"an edit that is longer".iter().copied());
        let ca: std::collections::HashSet<&[u8]> = chunks(&a).into_iter().collect();
        let new: usize = chunks(&b)
            .iter()
            .filter(|c| !ca.contains(*c))
            .map(|c| c.len())
            .sum();
        assert!(new < 3 * MAX, "{new} new bytes for one edit");
    }

    #[test]
    fn only_hives_of_some_size_are_chunked() {
        assert!(should_chunk(b"WINE REGISTRY Version 2\n", 24_000));
        assert!(!should_chunk(b"WINE REGISTRY Version 2\n", 4000));
        assert!(!should_chunk(b"MZ\x90\0", 100_000));
    }
}
