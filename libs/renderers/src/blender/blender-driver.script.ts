/**
 * The Python driver that runs inside Blender (`--python-expr`), kept here as a string so that it ships with
 * the compiled JavaScript (tsc copies no .py files into dist).
 *
 * Protocol `tessera-blender-driver/1`: one JSON object per line. Commands arrive on stdin; replies go to
 * fd 3, a pipe of their own, because Blender's C code writes progress to stdout whenever it likes and a
 * reply must never be torn by it. The driver first sends `{"event": "ready", ...}` once the scene is loaded,
 * then answers each command with `{"id": n, "ok": true, ...}` or `{"id": n, "ok": false, "error": "...",
 * "scene": bool}` (`scene`: the scene itself is at fault, e.g. no camera). It exits when stdin closes or on
 * `{"op": "quit"}`.
 *
 * Commands:
 * - `inspect`: frame range, resolution with the percentage applied, engine, camera, samples, the external
 *   files the scene references and which of them are missing or outside the scene directory.
 * - `render`: one tile as a border region of the full frame, written as PNG to `output`. Every setting that
 *   could make two renders of a tile differ is forced here, on every tile, so a warm process (many tiles) and
 *   a cold one (one tile) run exactly the same code: Cycles, fixed seed, no animated seed, no adaptive
 *   sampling, no time limit, no denoising (Debian's Blender 3.4.1 has no OpenImageDenoise and fails with it),
 *   no compositing, no sequencer, no stamp burnt into the image, no dither (Blender's dither noise depends
 *   on the pixel's position in the output buffer, so a dithered tile differs from the same pixels of a full
 *   frame; without it a tile is bit-identical to them, measured), 100 % resolution.
 *
 * The .blend's own Python never runs: Blender is started with --disable-autoexec and --factory-startup.
 * External files outside the scene directory are pointed at a path that does not exist before rendering,
 * so a scene cannot pull the worker's own images into its output (the sandbox hides them as well).
 */
export const BLENDER_DRIVER_PROTOCOL = 'tessera-blender-driver/1';

export const BLENDER_DRIVER_SCRIPT = String.raw`
import glob
import json
import os
import sys
import time
import traceback

import bpy

PROTOCOL = "tessera-blender-driver/1"
CONFIG = json.loads(sys.argv[sys.argv.index("--") + 1])
SCENE_DIR = os.path.realpath(CONFIG["sceneDir"])
MAIN_FILE = os.path.realpath(CONFIG["mainFile"])
REPLY = os.fdopen(3, "w", encoding="utf-8")


class SceneProblem(Exception):
    """The scene cannot be rendered as it is; not the driver's or Blender's fault."""


def send(message):
    REPLY.write(json.dumps(message) + "\n")
    REPLY.flush()


def inside_scene(path):
    real = os.path.realpath(path)
    return real == SCENE_DIR or real.startswith(SCENE_DIR + os.sep)


def exists(path):
    if "<UDIM>" in path or "<UVTILE>" in path:
        pattern = path.replace("<UDIM>", "[0-9][0-9][0-9][0-9]").replace("<UVTILE>", "u*_v*")
        return len(glob.glob(pattern)) > 0
    return os.path.exists(path)


def external_files():
    """(as written in the scene, absolute) for every external file, packed ones excluded."""
    written = bpy.utils.blend_paths(absolute=False, packed=False, local=False)
    absolute = bpy.utils.blend_paths(absolute=True, packed=False, local=False)
    return list(dict.fromkeys(zip(written, absolute)))


def scene_and_camera():
    scene = bpy.context.scene
    if scene.camera is None:
        raise SceneProblem("scene " + repr(scene.name) + " has no active camera")
    return scene


def inspect(command):
    scene = bpy.context.scene
    render = scene.render
    pct = render.resolution_percentage
    missing, outside = [], []
    for written, absolute in external_files():
        if not inside_scene(absolute):
            outside.append(written)
        elif not exists(absolute):
            missing.append(written)
    denoise = scene.cycles.use_denoising or any(layer.cycles.use_denoising for layer in scene.view_layers)
    return {
        "sceneName": scene.name,
        "frameStart": scene.frame_start,
        "frameEnd": scene.frame_end,
        "width": max(1, render.resolution_x * pct // 100),
        "height": max(1, render.resolution_y * pct // 100),
        "resolutionX": render.resolution_x,
        "resolutionY": render.resolution_y,
        "percentage": pct,
        "engine": render.engine,
        "camera": scene.camera.name if scene.camera else None,
        "samples": scene.cycles.samples,
        "denoising": bool(denoise),
        "adaptiveSampling": bool(scene.cycles.use_adaptive_sampling),
        "compositing": bool(scene.use_nodes and render.use_compositing),
        "sequencer": bool(scene.sequence_editor and len(scene.sequence_editor.sequences_all) > 0),
        "filmTransparent": bool(render.film_transparent),
        "missing": missing,
        "outside": outside,
    }


HIDDEN = []


def hide_outside_files():
    if HIDDEN:
        return
    HIDDEN.append(True)
    collections = [bpy.data.images, bpy.data.movieclips, bpy.data.volumes, bpy.data.cache_files, bpy.data.fonts]
    for collection in collections:
        for block in collection:
            path = getattr(block, "filepath", "")
            if not path or path == "<builtin>" or getattr(block, "packed_file", None) is not None:
                continue
            if not inside_scene(bpy.path.abspath(path, library=block.library)):
                block.filepath = os.path.join(SCENE_DIR, ".tessera-outside-scene", os.path.basename(path))


def use_device(scene, kind):
    if kind == "CPU":
        scene.cycles.device = "CPU"
        return "cpu"
    prefs = bpy.context.preferences.addons["cycles"].preferences
    try:
        prefs.compute_device_type = kind
    except TypeError:
        raise RuntimeError("this Blender cannot render with " + kind)
    prefs.get_devices()
    devices = [d for d in prefs.devices if d.type == kind]
    if not devices:
        raise RuntimeError("no " + kind + " device found")
    for device in prefs.devices:
        device.use = device.type == kind
    scene.cycles.device = "GPU"
    return kind.lower() + ":" + devices[0].name


def render(command):
    scene = scene_and_camera()
    hide_outside_files()
    r = scene.render
    r.engine = "CYCLES"
    r.resolution_x = command["width"]
    r.resolution_y = command["height"]
    r.resolution_percentage = 100
    border = command["border"]
    r.use_border = True
    r.use_crop_to_border = True
    r.border_min_x, r.border_max_x = border["minX"], border["maxX"]
    r.border_min_y, r.border_max_y = border["minY"], border["maxY"]
    r.use_compositing = False
    r.use_sequencer = False
    r.use_stamp = False
    r.use_multiview = False
    r.dither_intensity = 0.0
    r.use_persistent_data = True
    if command["threads"] > 0:
        r.threads_mode = "FIXED"
        r.threads = command["threads"]
    else:
        r.threads_mode = "AUTO"
    c = scene.cycles
    c.samples = command["samples"]
    c.seed = command["seed"]
    c.use_animated_seed = False
    c.use_adaptive_sampling = False
    c.time_limit = 0
    c.use_denoising = False
    for layer in scene.view_layers:
        layer.cycles.use_denoising = False
    device = use_device(scene, command["device"])
    settings = r.image_settings
    settings.file_format = "PNG"
    settings.color_mode = "RGBA" if r.film_transparent else "RGB"
    settings.color_depth = str(command["bitDepth"])
    settings.compression = 15
    scene.frame_set(command["frame"])
    started = time.monotonic()
    result = bpy.ops.render.render(write_still=False, scene=scene.name)
    if "FINISHED" not in result:
        raise RuntimeError("render did not finish: " + ", ".join(sorted(result)))
    bpy.data.images["Render Result"].save_render(command["output"], scene=scene)
    return {"device": device, "seconds": time.monotonic() - started}


HANDLERS = {"inspect": inspect, "render": render}


def main():
    if os.path.realpath(bpy.data.filepath or "/") != MAIN_FILE:
        send({"event": "error", "error": "Blender did not load " + MAIN_FILE})
        return
    send({"event": "ready", "protocol": PROTOCOL, "blender": bpy.app.version_string})
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command.get("op") == "quit":
            break
        try:
            send({"id": command["id"], "ok": True, **HANDLERS[command["op"]](command)})
        except Exception as error:
            traceback.print_exc()
            scene = isinstance(error, SceneProblem)
            send({"id": command.get("id"), "ok": False, "error": str(error), "scene": scene})


exit_code = 0
try:
    main()
except BaseException:
    traceback.print_exc()
    exit_code = 1
finally:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
`;
