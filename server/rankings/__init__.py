"""Rankings of party members, grids and unit organisations by points and volunteer hours."""
