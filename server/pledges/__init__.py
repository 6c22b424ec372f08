"""Public pledges of party members (承诺践诺), assessed at year end; a kept one earns points."""
