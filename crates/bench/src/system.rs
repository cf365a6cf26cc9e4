//! The operating system: this process's file-descriptor limit, and the server's memory from
//! `/proc/PID/status`.

use anyhow::{Context as _, Result};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Raises the RLIMIT_NOFILE soft limit to the hard limit (each connection is a descriptor).
/// Returns the new soft limit.
pub fn raise_nofile_limit() -> Result<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("getrlimit(RLIMIT_NOFILE)")?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).context("setrlimit(RLIMIT_NOFILE)")?;
    }
    Ok(hard.max(soft))
}

/// Memory figures of a process, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Resident set size now.
    pub rss_kib: u64,
    /// Peak resident set size over the process's life.
    pub hwm_kib: u64,
}

/// Reads and sums the memory of every PID.
pub fn memory_of(pids: &[u32]) -> Result<Memory> {
    let mut total = Memory::default();
    for pid in pids {
        let path = format!("/proc/{pid}/status");
        let status =
            std::fs::read_to_string(&path).with_context(|| format!("reading {path} (is --server-pid right?)"))?;
        let m = parse_status(&status).with_context(|| format!("no VmRSS/VmHWM in {path}"))?;
        total.rss_kib += m.rss_kib;
        total.hwm_kib += m.hwm_kib;
    }
    Ok(total)
}

/// Parses the `VmRSS:` and `VmHWM:` lines (`VmRSS:\t   12345 kB`).
pub fn parse_status(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            rest.split_ascii_whitespace().next()?.parse::<u64>().ok()
        })
    };
    Some(Memory { rss_kib: field("VmRSS")?, hwm_kib: field("VmHWM")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_parsed() {
        let status = "Name:\ttweetchat\nVmPeak:\t  999 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t4\n";
        assert_eq!(parse_status(status), Some(Memory { rss_kib: 10240, hwm_kib: 20480 }));
        assert_eq!(parse_status("Name:\tkthread\n"), None);
    }

    #[test]
    fn own_process_can_be_read() {
        let m = memory_of(&[std::process::id()]).expect("our own /proc status");
        assert!(m.rss_kib > 0 && m.hwm_kib >= m.rss_kib);
        assert!(raise_nofile_limit().expect("rlimit") > 0);
    }
}
