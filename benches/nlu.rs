//! Criterion benchmark of every NLU entry point: a typical utterance and a
//! worst case (input at the length bound, dense with vocabulary) for each.
use criterion::{Criterion, criterion_group, criterion_main};
use ringlypro::nlu::{self, Lang};
use std::hint::black_box;

fn worst_case() -> String {
    // ~600 chars of dense, number- and keyword-heavy speech (beyond the bound)
    "next Tuesday at 3:30 p.m., no wait, the 21st of March at half past two, um, \
     five five five two three four five six seven eight, my name is Inés Peña, \
     I don't want to cancel but reschedule, how much, where, hours, message, \
     a las tres y media de la tarde el martes de la semana que viene, \
     double five triple seven oh oh, twenty one hundred thousand, "
        .repeat(3)
}

fn bench(c: &mut Criterion) {
    let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap_or_default();
    let worst = worst_case();
    let mut g = c.benchmark_group("nlu");
    g.bench_function("parse_datetime/typical", |b| {
        b.iter(|| nlu::parse_datetime(black_box("Um, next Tuesday around 3."), Lang::En, now))
    });
    g.bench_function("parse_datetime/typical_es", |b| {
        b.iter(|| {
            nlu::parse_datetime(
                black_box("El martes de la semana que viene a las tres y media de la tarde."),
                Lang::Es,
                now,
            )
        })
    });
    g.bench_function("parse_datetime/worst", |b| {
        b.iter(|| nlu::parse_datetime(black_box(&worst), Lang::En, now))
    });
    g.bench_function("classify_intent/typical", |b| {
        b.iter(|| {
            nlu::classify_intent(
                black_box("I'm not looking to make a new appointment, I have to cancel mine."),
                Lang::En,
            )
        })
    });
    g.bench_function("classify_intent/typical_es", |b| {
        b.iter(|| {
            nlu::classify_intent(
                black_box("No la quiero cancelar, quiero moverla al viernes."),
                Lang::Es,
            )
        })
    });
    g.bench_function("classify_intent/worst", |b| {
        b.iter(|| nlu::classify_intent(black_box(&worst), Lang::En))
    });
    g.bench_function("parse_phone/typical", |b| {
        b.iter(|| {
            nlu::parse_phone(
                black_box("It's five five five, two one two, oh nine eight seven."),
                Lang::En,
            )
        })
    });
    g.bench_function("parse_phone/worst", |b| {
        b.iter(|| nlu::parse_phone(black_box(&worst), Lang::En))
    });
    g.bench_function("parse_name/typical", |b| {
        b.iter(|| nlu::parse_name(black_box("My name is John Smith, S-M-I-T-H."), Lang::En))
    });
    g.bench_function("parse_name/worst", |b| {
        b.iter(|| nlu::parse_name(black_box(&worst), Lang::Es))
    });
    g.bench_function("yes_no/typical", |b| {
        b.iter(|| nlu::yes_no(black_box("No, that's wrong."), Lang::En))
    });
    g.bench_function("yes_no/worst", |b| {
        b.iter(|| nlu::yes_no(black_box(&worst), Lang::En))
    });
    g.bench_function("parse_digits/typical", |b| {
        b.iter(|| nlu::parse_digits(black_box("A B 3 seven K"), Lang::En))
    });
    g.bench_function("parse_digits/worst", |b| {
        b.iter(|| nlu::parse_digits(black_box(&worst), Lang::En))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
