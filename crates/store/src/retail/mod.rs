//! The retail area (Brickhouse): per-organisation record numbers (`numbers`), stores
//! (`stores`), products (`products`), the staff directory (`staff`), inventory with its history
//! (`inventory`), stock-transfer orders with their state machine (`orders`) and the readings
//! that aggregate in the database (`insights`).

pub mod insights;
pub mod inventory;
pub mod numbers;
pub mod orders;
pub mod products;
pub mod staff;
pub mod stores;
