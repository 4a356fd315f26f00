//! Small facts about processes read from the host's /proc.

use std::os::unix::fs::MetadataExt;

/// Field 22 of /proc/<pid>/stat: when the process started (clock ticks since boot). Together with
/// the pid it names one process for good, even after the pid is reused.
pub fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// `comm` may contain spaces and parentheses, so fields are counted after the last ')'.
pub fn parse_start_time(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The inode of a namespace (`mnt`, `pid`, `user`...) of `pid`, or of this process with None.
pub fn ns_inode(pid: Option<i32>, name: &str) -> Option<u64> {
    let who = pid.map_or("self".to_string(), |p| p.to_string());
    std::fs::metadata(format!("/proc/{who}/ns/{name}"))
        .ok()
        .map(|m| m.ino())
}

/// Direct children of `pid` (its main thread's, which is where the init forks).
pub fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The pid of `pid` in each nested pid namespace, outermost first (the NSpid line).
pub fn ns_pids(pid: i32) -> Vec<i32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The host pid of the child of `parent` whose pid inside its namespace is `inner`.
pub fn host_pid_of_child(parent: i32, inner: i32) -> Option<i32> {
    children(parent)
        .into_iter()
        .find(|&c| ns_pids(c).last() == Some(&inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_survives_odd_process_names() {
        let stat = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_start_time(stat), Some(987654));
        assert_eq!(parse_start_time("garbage"), None);
    }

    #[test]
    fn own_start_time_and_namespaces_are_readable() {
        let me = std::process::id() as i32;
        assert!(start_time(me).is_some());
        assert_eq!(ns_inode(None, "mnt"), ns_inode(Some(me), "mnt"));
        assert_eq!(ns_pids(me).last(), Some(&me));
    }
}
