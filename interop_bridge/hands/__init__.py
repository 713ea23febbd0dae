"""Dexterous hands: hand profiles (config/hands/) and the closure mapping, without rclpy."""
