"""Unit party organisations (双报到) and the practical matters communities agree with them."""
