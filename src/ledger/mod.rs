//! Loads what a billing period needs from the database and hands it to the engine.

pub mod evaluate;
pub mod lifecycle;
pub mod run;
