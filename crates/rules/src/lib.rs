//! preflight's rule language: typed values, the fact catalogue, conditions and the pack
//! compiler. A crate of its own so that the build script compiles the shipped pack too.

pub mod catalogue;
pub mod cond;
pub mod diag;
pub mod difference;
pub mod fact;
pub mod fleet;
pub mod load;
pub mod model;
pub mod names;
pub mod par;
pub mod redact;
pub mod suggest;
pub mod text;
pub mod value;
