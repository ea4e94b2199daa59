//! Wire shapes of the retail area, as the Brickhouse contract gives them.

mod directory;
mod orders;

pub use directory::*;
pub use orders::*;
