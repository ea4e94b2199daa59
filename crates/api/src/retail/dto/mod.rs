//! Wire shapes of the retail area, as the Brickhouse contract gives them.

mod orders;

pub use orders::*;
