// The ZMTP codec: see the helper task.
