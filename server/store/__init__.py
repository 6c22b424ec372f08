"""The points store (积分超市): a community's rewards, bought with ledger points, picked up with a code."""
