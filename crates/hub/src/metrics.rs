use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use uuid::Uuid;

/// The hub's counters. Cheap to clone; clones count into the same metric.
#[derive(Debug, Clone, Default)]
pub struct HubMetrics {
    pub connections_open: Gauge,
    pub connections_total: Counter,
    pub messages_committed: Counter,
    pub commit_batches: Counter,
    pub frames_sent: Counter,
    pub catch_ups: Counter,
    pub lags: Counter,
    pub slow_closes: Counter,
    /// Live instances sharing the database, this one included (from the last heartbeat).
    pub instances_alive: Gauge,
    /// 1 while this instance's heartbeats reach the database, 0 after one failed.
    pub instance_heartbeat_ok: Gauge,
    /// 1 while this instance listens for the others' stream notices.
    pub stream_listener_up: Gauge,
    pub stream_listener_reconnects: Counter,
    /// Stream notices heard from other instances.
    pub stream_notices: Counter,
}

impl HubMetrics {
    /// Registers every metric; `instance_id` names this instance in `tweetchat_instance_info`.
    pub fn register(&self, registry: &mut Registry, instance_id: Uuid) {
        registry.register(
            "tweetchat_instance",
            "This instance among those sharing the database",
            Info::new(vec![("instance_id".to_owned(), instance_id.to_string())]),
        );
        registry.register(
            "tweetchat_instances_alive",
            "Live instances sharing the database, this one included",
            self.instances_alive.clone(),
        );
        registry.register(
            "tweetchat_instance_heartbeat_ok",
            "1 while this instance's heartbeats reach the database",
            self.instance_heartbeat_ok.clone(),
        );
        registry.register(
            "tweetchat_stream_listener_up",
            "1 while this instance listens for other instances' stream notices",
            self.stream_listener_up.clone(),
        );
        registry.register(
            "tweetchat_stream_listener_reconnects",
            "Times the stream listener lost its connection and listened again",
            self.stream_listener_reconnects.clone(),
        );
        registry.register(
            "tweetchat_stream_notices",
            "Stream notices heard from other instances",
            self.stream_notices.clone(),
        );
        registry.register(
            "tweetchat_websocket_connections",
            "Open websocket connections",
            self.connections_open.clone(),
        );
        registry.register(
            "tweetchat_websocket_connections_opened",
            "Websocket connections accepted",
            self.connections_total.clone(),
        );
        registry.register(
            "tweetchat_messages_committed",
            "Messages committed to the stream",
            self.messages_committed.clone(),
        );
        registry.register("tweetchat_commit_batches", "Group-commit transactions", self.commit_batches.clone());
        registry.register(
            "tweetchat_websocket_frames_sent",
            "Frames written to websocket clients",
            self.frames_sent.clone(),
        );
        registry.register(
            "tweetchat_catch_ups",
            "Times a connection caught up after falling behind",
            self.catch_ups.clone(),
        );
        registry.register(
            "tweetchat_websocket_lags",
            "Times a connection fell behind its room's broadcast and dropped frames (caught up after)",
            self.lags.clone(),
        );
        registry.register(
            "tweetchat_slow_client_closes",
            "Connections closed for being too slow",
            self.slow_closes.clone(),
        );
    }
}
