//! runcws: a command-line client for the CWS instance API, with a built-in
//! emulator of that API.
//!
//! The client half (`cli`, `commands`, `client`, `config`, `state`,
//! `params`, `output`, `exit`, `jq`, `wait`) never depends on the
//! emulator's insides: it only starts it for the embedded default and for
//! `serve`. The emulator
//! (`emulator`) never imports the client half.

#[doc(hidden)]
pub mod bench_api;
pub mod cli;
mod client;
mod commands;
mod config;
mod config_file;
mod config_net;
pub mod emulator;
mod endpoint;
mod error;
pub mod exit;
mod files;
mod jq;
mod output;
mod params;
mod state;
mod wait;

pub use commands::run;
