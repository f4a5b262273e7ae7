//! The batch command line: clap arguments → validated configuration → the same session/fit functions the app
//! calls.
