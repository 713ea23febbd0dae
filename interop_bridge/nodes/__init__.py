"""ROS 2 nodes: the only modules of the package that import rclpy.

Importing this package (which every node's executable does before it imports rclpy and the
rest of its modules, a second or more on a loaded machine) makes a Ctrl-C during those imports
end the node as a Ctrl-C does, printing only `interrupted`, no traceback
(interop_bridge/interrupts.py). Once a node's main() runs, nodes/spin.py handles the signals.
"""

from interop_bridge.interrupts import quiet_interrupts

quiet_interrupts('interrupted')
