//! The operating system: this process's file-descriptor limit, and the server's memory from
//! `/proc/PID/status` and CPU time from `/proc/PID/stat`.

use anyhow::{Context as _, Result};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::unistd::{SysconfVar, sysconf};

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

/// CPU time used so far by every PID together (all threads: user and system time), from
/// `/proc/PID/stat`, which counts in clock ticks.
pub fn cpu_time_of(pids: &[u32]) -> Result<std::time::Duration> {
    let ticks_per_second = sysconf(SysconfVar::CLK_TCK).ok().flatten().filter(|t| *t > 0).unwrap_or(100);
    let mut ticks = 0u64;
    for pid in pids {
        let path = format!("/proc/{pid}/stat");
        let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        ticks += parse_stat_ticks(&stat).with_context(|| format!("no CPU times in {path}"))?;
    }
    Ok(std::time::Duration::from_secs_f64(ticks as f64 / ticks_per_second as f64))
}

/// utime + stime: fields 14 and 15, counted after the command name, which may hold spaces
/// and parentheses itself, so the fields start after its last `)`.
fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
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
    fn stat_gives_user_plus_system_ticks() {
        let stat = "4242 (tokio (worker) 1) S 1 4242 4242 0 -1 4194560 100 0 0 0 1500 250 0 0 20 0 9 0 55 0 0\n";
        assert_eq!(parse_stat_ticks(stat), Some(1750));
        assert_eq!(parse_stat_ticks("4242 (x) S 1"), None);
    }

    #[test]
    fn own_process_can_be_read() {
        let m = memory_of(&[std::process::id()]).expect("our own /proc status");
        assert!(m.rss_kib > 0 && m.hwm_kib >= m.rss_kib);
        assert!(raise_nofile_limit().expect("rlimit") > 0);
    }
}
