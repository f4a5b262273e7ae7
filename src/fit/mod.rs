//! Least-squares fitting of the column model to measured chromatograms (no GUI dependency).
