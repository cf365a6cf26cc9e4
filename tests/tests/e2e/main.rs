//! End-to-end tests: one binary, so the server is linked once.

mod compose;
mod embedded_db;
mod hub_bad_input;
mod hub_delivery;
mod hub_durability;
mod operations;
mod scheduler;
mod skeleton;
