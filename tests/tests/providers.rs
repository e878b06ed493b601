//! Every provider SDK against its fake on loopback: one test binary, one module per provider.

#[path = "providers/faults.rs"]
mod faults;
#[path = "providers/fleet.rs"]
mod fleet;
#[path = "providers/fuzz.rs"]
mod fuzz;
#[path = "providers/hardening.rs"]
mod hardening;
#[path = "providers/iinked_sign.rs"]
mod iinked_sign;
#[path = "providers/judges.rs"]
mod judges;
#[path = "providers/mock.rs"]
mod mock;
#[path = "providers/spec_judge.rs"]
mod spec_judge;
#[path = "providers/surface.rs"]
mod surface;
#[path = "providers/sweep.rs"]
mod sweep;
#[path = "providers/xink.rs"]
mod xink;
#[path = "providers/xpkit.rs"]
mod xpkit;
#[path = "providers/xref.rs"]
mod xref;
