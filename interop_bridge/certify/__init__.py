"""`interop certify`: a versioned data-quality rubric, levels and a content-bound certificate."""
