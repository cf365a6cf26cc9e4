use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

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
}

impl HubMetrics {
    pub fn register(&self, registry: &mut Registry) {
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
            "tweetchat_slow_client_closes",
            "Connections closed for being too slow",
            self.slow_closes.clone(),
        );
    }
}
