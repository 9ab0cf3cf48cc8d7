//! Criterion benchmarks of the authentication hot spots: an argon2id hash and
//! verification with the shipped parameters, and session token issue/verify.
//! Run: `cargo bench --bench auth`.

use criterion::{Criterion, criterion_group, criterion_main};
use ringlypro::auth::password::Hasher;
use ringlypro::auth::token::TokenKeys;
use std::hint::black_box;

fn argon2(c: &mut Criterion) {
    let cfg = ringlypro::config::Config::for_data_dir(std::path::Path::new("/tmp"));
    let h = Hasher::new(cfg.argon2_memory_kib, cfg.argon2_iterations).expect("params");
    let phc = h.hash("a good passphrase").expect("hash");
    let mut g = c.benchmark_group("argon2id_default_params");
    g.sample_size(20);
    g.bench_function("hash", |b| {
        b.iter(|| h.hash(black_box("a good passphrase")))
    });
    g.bench_function("verify", |b| {
        b.iter(|| h.verify(black_box("a good passphrase"), &phc))
    });
    g.finish();
}

fn jwt(c: &mut Criterion) {
    let k = TokenKeys::new(&[7u8; 32]);
    let now = 1_800_000_000;
    let t = k.issue(1, 2, "owner@example.com", 0, now).expect("issue");
    c.bench_function("jwt_issue", |b| {
        b.iter(|| k.issue(1, 2, black_box("owner@example.com"), 0, now))
    });
    c.bench_function("jwt_verify", |b| b.iter(|| k.verify(black_box(&t), now)));
}

criterion_group!(benches, argon2, jwt);
criterion_main!(benches);
