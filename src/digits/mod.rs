//! Digit conventions shared by training, reading and the screens: MNIST's 28×28 pixels and
//! their scaling, deskewing, and the rounding rule that keeps integer pixel maths the same on
//! every CPU.

pub mod deskew;
pub mod mnist;
pub(crate) mod rounding;
