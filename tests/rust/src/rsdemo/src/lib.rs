//! A PyO3 extension for kiln's Rust tests: functions, a class, an exception
//! raised from Rust and a panic that reaches Python as an exception.
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::collections::BTreeMap;

create_exception!(rsdemo, DemoError, PyException);

/// The sum of a list of integers (i64 arithmetic, checked).
#[pyfunction]
fn total(values: Vec<i64>) -> PyResult<i64> {
    values
        .iter()
        .try_fold(0i64, |acc, v| acc.checked_add(*v))
        .ok_or_else(|| DemoError::new_err("overflow"))
}

/// Word counts of a text, sorted by word: "a:3 b:2 c:1".
#[pyfunction]
fn word_counts(text: &str) -> String {
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for w in text.split_whitespace() {
        *counts.entry(w).or_insert(0) += 1;
    }
    counts
        .iter()
        .map(|(w, n)| format!("{w}:{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Raises DemoError with the given message.
#[pyfunction]
fn fail(msg: &str) -> PyResult<()> {
    Err(DemoError::new_err(msg.to_string()))
}

/// Panics in Rust; PyO3 turns the unwinding panic into pyo3_runtime.PanicException.
#[pyfunction]
fn boom(n: u32) -> u32 {
    if n > 0 {
        panic!("boom {n}");
    }
    n
}

/// Seconds since the epoch as Rust's std sees them (64-bit time_t in the runtime).
#[pyfunction]
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A file's size and modification time in whole seconds, through std::fs (the runtime's
/// struct stat as the libc crate lays it out).
#[pyfunction]
fn stat(path: &str) -> PyResult<(u64, i64)> {
    let m = std::fs::metadata(path).map_err(|e| DemoError::new_err(e.to_string()))?;
    let t = m.modified().map_err(|e| DemoError::new_err(e.to_string()))?;
    let secs = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    Ok((m.len(), secs))
}

/// A counter kept in Rust.
#[pyclass]
struct Counter {
    count: u64,
    step: u64,
}

#[pymethods]
impl Counter {
    #[new]
    #[pyo3(signature = (step=1))]
    fn new(step: u64) -> Self {
        Counter { count: 0, step }
    }

    fn bump(&mut self) -> u64 {
        self.count += self.step;
        self.count
    }

    #[getter]
    fn count(&self) -> u64 {
        self.count
    }

    fn __repr__(&self) -> String {
        format!("Counter(count={}, step={})", self.count, self.step)
    }
}

#[pymodule]
fn rsdemo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(total, m)?)?;
    m.add_function(wrap_pyfunction!(word_counts, m)?)?;
    m.add_function(wrap_pyfunction!(fail, m)?)?;
    m.add_function(wrap_pyfunction!(boom, m)?)?;
    m.add_function(wrap_pyfunction!(now, m)?)?;
    m.add_function(wrap_pyfunction!(stat, m)?)?;
    m.add_class::<Counter>()?;
    m.add("DemoError", m.py().get_type::<DemoError>())?;
    Ok(())
}
