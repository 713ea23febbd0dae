"""Robot kinematics from the robot's own URDF or MJCF (Pinocchio), importable without rclpy.

model.py loads a model and answers joint and frame placements in the base (pelvis) frame;
profile_check.py checks a profile's joint mapping against it (`interop check-profile --urdf`).
Pinocchio is imported only here, so nothing else pays for it.
"""
