"""The process map: the pure definition of the steps a work order moves through and its validation,
and the stored, versioned maps."""
