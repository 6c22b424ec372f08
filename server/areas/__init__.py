"""The area tree: district › street › community › grid."""
