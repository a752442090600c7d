"""Builds Tessera's Blender example scene: a small animated Cycles scene, made here rather than downloaded.

    blender -b --factory-startup --disable-autoexec --python-exit-code 1 -P make-example.py -- out.blend

A floor, three objects, a sun and an area light, and a camera that orbits the objects over frames 1-24
while tracking them. 640x360, Cycles on CPU at 16 samples, denoising and adaptive sampling off (the
settings a farm needs for reproducible tiles; Tessera's worker forces them anyway), dither off so that
Blender's own full-frame render of a frame equals the stitched tiles bit for bit. Everything is built
from primitives and node defaults, so the file depends on nothing outside itself.
"""
import math
import sys

import bpy


def output_path():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if len(argv) != 1:
        raise SystemExit("usage: blender -b --factory-startup -P make-example.py -- <out.blend>")
    return argv[0]


def material(name, colour, roughness=0.5, metallic=0.0):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*colour, 1.0)
    bsdf.inputs["Roughness"].default_value = roughness
    bsdf.inputs["Metallic"].default_value = metallic
    return mat


def add(obj, mat, smooth=False):
    obj.data.materials.append(mat)
    if smooth:
        for poly in obj.data.polygons:
            poly.use_smooth = True
    return obj


def build_scene():
    # Start from nothing: factory start-up has a cube, a light and a camera we do not want to depend on.
    for obj in list(bpy.data.objects):
        bpy.data.objects.remove(obj, do_unlink=True)
    scene = bpy.context.scene

    bpy.ops.mesh.primitive_plane_add(size=20, location=(0, 0, 0))
    add(bpy.context.object, material("Floor", (0.55, 0.52, 0.48), roughness=0.8)).name = "Floor"
    bpy.ops.mesh.primitive_cube_add(size=1.2, location=(-1.4, 0.3, 0.6), rotation=(0, 0, math.radians(25)))
    add(bpy.context.object, material("Red", (0.8, 0.12, 0.08), roughness=0.4)).name = "Cube"
    bpy.ops.mesh.primitive_uv_sphere_add(radius=0.7, location=(0.3, -0.4, 0.7), segments=48, ring_count=24)
    add(bpy.context.object, material("Chrome", (0.9, 0.9, 0.92), roughness=0.15, metallic=1.0), smooth=True).name = "Sphere"
    bpy.ops.mesh.primitive_cylinder_add(radius=0.45, depth=1.6, location=(1.6, 0.6, 0.8), vertices=48)
    add(bpy.context.object, material("Blue", (0.1, 0.25, 0.75), roughness=0.3), smooth=True).name = "Cylinder"

    bpy.ops.object.light_add(type="SUN", location=(4, -3, 8), rotation=(math.radians(40), math.radians(10), math.radians(30)))
    bpy.context.object.data.energy = 2.5
    bpy.context.object.data.angle = math.radians(3)
    bpy.ops.object.light_add(type="AREA", location=(-3, -3, 4))
    area = bpy.context.object
    area.data.energy = 150.0
    area.data.size = 2.0
    aim(area, (0, 0, 0.5))

    world = bpy.data.worlds.new("Sky")
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (0.45, 0.55, 0.75, 1.0)
    world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.6
    scene.world = world

    target = bpy.data.objects.new("CameraTarget", None)
    target.location = (0, 0, 0.6)
    scene.collection.objects.link(target)
    bpy.ops.object.camera_add(location=(0, -7, 3))
    camera = bpy.context.object
    camera.name = "Camera"
    camera.data.lens = 35
    track = camera.constraints.new("TRACK_TO")
    track.target = target
    track.track_axis = "TRACK_NEGATIVE_Z"
    track.up_axis = "UP_Y"
    scene.camera = camera
    # A quarter orbit over the animation, keyed every 6 frames (Bezier in between).
    for frame in range(1, 25, 6):
        angle = math.radians(-90 + (frame - 1) * 90 / 23)
        camera.location = (7 * math.cos(angle), 7 * math.sin(angle), 3 + 0.5 * math.sin(angle * 2))
        camera.keyframe_insert("location", frame=frame)
    camera.location = (7 * math.cos(0), 7 * math.sin(0), 3)
    camera.keyframe_insert("location", frame=24)
    return scene


def aim(obj, point):
    direction = obj.location - __import__("mathutils").Vector(point)
    obj.rotation_euler = direction.to_track_quat("Z", "Y").to_euler()


def configure(scene):
    scene.frame_start = 1
    scene.frame_end = 24
    scene.render.fps = 24
    scene.render.engine = "CYCLES"
    scene.render.resolution_x = 640
    scene.render.resolution_y = 360
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 16
    scene.cycles.use_adaptive_sampling = False
    scene.cycles.use_denoising = False
    scene.cycles.seed = 0
    scene.cycles.max_bounces = 6
    scene.view_settings.view_transform = "Standard"
    # Dither noise follows a pixel's position in the output buffer, so a dithered tile differs from the
    # same pixels of a full frame by 1-2/255. Off, a tile is bit-identical to them (Tessera forces it off).
    scene.render.dither_intensity = 0.0
    for layer in scene.view_layers:
        layer.cycles.use_denoising = False


def main():
    path = output_path()
    scene = build_scene()
    configure(scene)
    scene.frame_set(1)
    bpy.ops.wm.save_as_mainfile(filepath=path, compress=False)
    print(f"tessera: wrote {path}")


main()
