"""The Excel workbook: schema, template builder, reader, writer and the `pmo` command."""
