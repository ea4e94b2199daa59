//! Wire shapes of the retail area, as the Brickhouse contract gives them.

mod analytics;
mod directory;
mod inventory;
mod orders;

pub use analytics::*;
pub use directory::*;
pub use inventory::*;
pub use orders::*;
