"""Excel glue: worksheet functions (`udfs.functions`) and button entry points (`udfs.entry`)."""
