#![allow(unsafe_code)] // A global allocator cannot be written without it.

//! A counting global allocator for the fuzzing harness: it tracks live bytes and each input's peak, and refuses
//! an allocation past the cap. Before refusing it writes the input being run to a file opened in advance (no
//! allocation on that path), since the failed allocation then aborts the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, IntoRawFd};
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CAP: AtomicUsize = AtomicUsize::new(usize::MAX);
static CRASH_FD: AtomicI32 = AtomicI32::new(-1);
static INPUT_PTR: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static INPUT_LEN: AtomicUsize = AtomicUsize::new(0);

/// The allocator: the system's, counted.
pub struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !reserve(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `System.realloc`; the caller upholds its contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            if new_size > old {
                LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
            }
        } else if new_size < old {
            LIVE.fetch_sub(old - new_size, Ordering::Relaxed);
        }
        p
    }
}

/// Counts `bytes` more, or refuses them past the cap (saving the current input first).
fn reserve(bytes: usize) -> bool {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    if now > CAP.load(Ordering::Relaxed) {
        LIVE.fetch_sub(bytes, Ordering::Relaxed);
        save_current_input();
        return false;
    }
    PEAK.fetch_max(now, Ordering::Relaxed);
    true
}

fn save_current_input() {
    let fd = CRASH_FD.swap(-1, Ordering::SeqCst);
    let (ptr, len) = (INPUT_PTR.load(Ordering::SeqCst), INPUT_LEN.load(Ordering::SeqCst));
    if fd < 0 || ptr.is_null() {
        return;
    }
    // SAFETY: `fd` was opened by `arm_crash_file` and is used once; the input outlives the run it belongs to.
    let mut file = ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
    let input = unsafe { std::slice::from_raw_parts(ptr, len) };
    let _ = file.write_all(input);
    let _ = file.flush();
}

/// Opens the file an over-cap input is written to.
pub fn arm_crash_file(path: &std::path::Path) {
    if let Ok(f) = File::create(path) {
        CRASH_FD.store(f.into_raw_fd(), Ordering::SeqCst);
    }
}

/// The input being run (kept alive by the caller until the next call).
pub fn set_current_input(input: &[u8]) {
    INPUT_LEN.store(input.len(), Ordering::SeqCst);
    INPUT_PTR.store(input.as_ptr().cast_mut(), Ordering::SeqCst);
}

/// Live bytes now.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Starts an input: its peak is counted from now, and live bytes may not pass `cap`.
pub fn start_input(cap: usize) {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    CAP.store(cap, Ordering::Relaxed);
}

/// Ends an input: lifts the cap and returns its peak of live bytes.
pub fn end_input() -> usize {
    CAP.store(usize::MAX, Ordering::Relaxed);
    PEAK.load(Ordering::Relaxed)
}
