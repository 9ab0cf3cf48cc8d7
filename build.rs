//! Rebuilds when a migration is added or changed: `refinery::embed_migrations!`
//! reads the `migrations/` folder at compile time, which cargo does not track.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations_router");
}
