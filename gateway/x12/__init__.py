"""Pure X12 core: model, reader, writer, grammar, validation and acknowledgements."""
