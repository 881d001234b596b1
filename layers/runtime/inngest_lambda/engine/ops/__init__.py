"""The SDK's opcodes, one module each (`base.Op`); `table.OPS` maps opcode -> op."""
