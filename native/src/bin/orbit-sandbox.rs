//! The sandbox runner. Orbit's core starts it with a request on fd 3 and a status pipe on fd 4;
//! it is not meant to be started by hand (see `orbit_core::sandbox::runner`).
fn main() {
    std::process::exit(orbit_core::sandbox::runner::main());
}
