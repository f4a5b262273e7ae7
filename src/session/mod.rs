//! The session document: column, peaks, baseline and run reference, saved as versioned JSON.
