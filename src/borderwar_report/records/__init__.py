"""The records: YAML with source positions, EDTF dates, validation, the model, exports."""
