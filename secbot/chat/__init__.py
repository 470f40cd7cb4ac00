"""Chat doors. Each adapter only translates: platform event in, ``dispatch`` call, ``Reply`` out."""
