//! The HashingVectorizer as a pipeline step.

use crate::error::Error;
use crate::traits::Transform;
use dklearn_sparse::CsrMatrix;
use dklearn_text::HashingVectorizer;

/// `HashingVectorizer` transforms a chunk of documents; it is stateless, so a
/// [`Pipeline`](crate::Pipeline) can use it as its first step without fitting.
impl<S: AsRef<str>> Transform<[S]> for HashingVectorizer {
    type Output = CsrMatrix;

    fn transform(&self, docs: &[S]) -> Result<CsrMatrix, Error> {
        Ok(HashingVectorizer::transform(self, docs))
    }
}
