//! End-to-end tests: one binary, so the server is linked once.

mod archives;
mod compose;
mod embedded_db;
mod hub_bad_input;
mod hub_delivery;
mod hub_durability;
mod moderation;
mod operations;
mod planning;
mod proposals;
mod scale_out;
mod scheduler;
mod skeleton;
