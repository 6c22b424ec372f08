"""Service posts (设岗定责): the posts a community defines and the party members holding them."""
