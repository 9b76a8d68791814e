use std::fmt;

/// What went wrong in a sparse operation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Two shapes that must agree do not (`op` names the operation).
    ShapeMismatch {
        /// The operation, e.g. `"dot"` or `"vstack"`.
        op: &'static str,
        /// What the operation needed.
        expected: usize,
        /// What it was given.
        found: usize,
    },
    /// A column index at or beyond the number of columns.
    ColumnOutOfBounds {
        /// The row being built or read.
        row: usize,
        /// The offending column.
        col: usize,
        /// The number of columns.
        n_cols: usize,
    },
    /// A row index at or beyond the number of rows.
    RowOutOfBounds {
        /// The offending row.
        row: usize,
        /// The number of rows.
        n_rows: usize,
    },
    /// `indices` and `data` of a row (or of the raw arrays) differ in length.
    LengthMismatch {
        /// Number of indices.
        indices: usize,
        /// Number of values.
        data: usize,
    },
    /// Raw CSR arrays that do not describe a valid matrix.
    InvalidStructure(String),
    /// An operation that needs at least one matrix got none.
    Empty(&'static str),
}

/// The error type of `dklearn-sparse`.
///
/// When sprs refused the raw arrays, its `StructureError` is the
/// [`source`](std::error::Error::source).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    source: Option<sprs::errors::StructureError>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error { kind, source: None }
    }

    /// sprs's structure error, as [`ErrorKind::InvalidStructure`] with the
    /// cause kept.
    pub(crate) fn structure(e: sprs::errors::StructureError) -> Self {
        Error {
            kind: ErrorKind::InvalidStructure(e.to_string()),
            source: Some(e),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::ShapeMismatch {
                op,
                expected,
                found,
            } => write!(
                f,
                "{op}: shape mismatch: expected {expected}, found {found}"
            ),
            ErrorKind::ColumnOutOfBounds { row, col, n_cols } => write!(
                f,
                "row {row}: column index {col} out of bounds for a matrix with {n_cols} columns"
            ),
            ErrorKind::RowOutOfBounds { row, n_rows } => write!(
                f,
                "row index {row} out of bounds for a matrix with {n_rows} rows"
            ),
            ErrorKind::LengthMismatch { indices, data } => write!(
                f,
                "{indices} column indices but {data} values: they must have the same length"
            ),
            ErrorKind::InvalidStructure(msg) => write!(f, "invalid CSR structure: {msg}"),
            ErrorKind::Empty(op) => write!(f, "{op}: needs at least one matrix"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
