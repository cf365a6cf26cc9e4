use governor::Quota;
use std::num::NonZeroU32;
use std::time::Duration;

/// The hub's limits and timings. The defaults suit a chat; tests and benchmarks change some.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Longest message, in characters.
    pub max_text_chars: usize,
    /// Largest websocket frame or message accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Posts (and likes) one person may make per minute, across all their connections.
    pub posts_per_minute: u32,
    /// Stream frames kept per room for quick resumes and catch-up after lag.
    pub ring_capacity: usize,
    /// Frames buffered in a room's broadcast for connections that are momentarily behind.
    pub broadcast_capacity: usize,
    /// Most posts committed in one transaction.
    pub max_batch: usize,
    /// Posts a room holds while its committer is busy; more are refused as `busy`.
    pub post_queue: usize,
    /// Posts one connection may have waiting for their ack.
    pub max_inflight_per_connection: usize,
    /// Bad frames a connection may send before it is closed with 1008.
    pub max_bad_frames: u32,
    pub hello_timeout: Duration,
    pub heartbeat_interval: Duration,
    /// Silence (not even a pong) after which a connection is closed.
    pub idle_timeout: Duration,
    /// How long a write may take before the client is judged too slow and closed.
    pub write_timeout: Duration,
    pub presence_interval: Duration,
    pub room_idle_timeout: Duration,
    /// After a shutdown begins, how long clients are told to wait before reconnecting.
    pub reconnect_hint: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            max_text_chars: tweetchat_domain::DEFAULT_MAX_TEXT_CHARS,
            max_frame_bytes: 16 * 1024,
            posts_per_minute: 30,
            ring_capacity: 2048,
            broadcast_capacity: 1024,
            max_batch: 256,
            post_queue: 4096,
            max_inflight_per_connection: 64,
            max_bad_frames: 10,
            hello_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            presence_interval: Duration::from_secs(2),
            room_idle_timeout: Duration::from_secs(300),
            reconnect_hint: Duration::from_secs(2),
        }
    }
}

impl HubConfig {
    /// A per-person quota with a burst of a tenth of a minute's allowance (at least 3), so a
    /// quick reply after a pause is fine but a flood is not.
    pub(crate) fn post_quota(&self) -> Quota {
        let per_minute = NonZeroU32::new(self.posts_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new((self.posts_per_minute / 10).max(3)).unwrap_or(NonZeroU32::MIN);
        Quota::per_minute(per_minute).allow_burst(burst)
    }
}
