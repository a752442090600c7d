// Tessera's POV-Ray example: three objects on a checkered floor, lit by two lights, seen by a camera that
// orbits them as the clock runs from 0 to 1 over frames 1-24 (orbit.ini; by hand: +KFI1 +KFF24 +W640 +H360).
// Deterministic on purpose: no radiosity, no media, nothing random; Tessera sets antialiasing (-J, no jitter).
#version 3.7;

global_settings { assumed_gamma 1.0 max_trace_level 6 }

#declare Angle = -90 + 90 * clock;
#declare Eye = <7 * cos(radians(Angle)), 3 + 0.5 * sin(radians(2 * Angle)), 7 * sin(radians(Angle))>;

camera {
  perspective
  location Eye
  look_at <0, 0.6, 0>
  right x * image_width / image_height
  angle 54
}

light_source { <4, 8, -3> color rgb <1.0, 0.97, 0.92> * 1.1 }
light_source { <-3, 4, -3> color rgb <0.5, 0.55, 0.65> shadowless }

sky_sphere {
  pigment { gradient y color_map { [0 color rgb <0.75, 0.82, 0.95>] [1 color rgb <0.30, 0.45, 0.80>] } }
}

plane {
  y, 0
  pigment { checker color rgb <0.60, 0.57, 0.52> color rgb <0.42, 0.40, 0.37> scale 1.0 }
  finish { diffuse 0.8 ambient 0.05 }
}

box {
  <-0.6, 0, -0.6>, <0.6, 1.2, 0.6>
  rotate y * 25
  translate <-1.4, 0, -0.3>
  pigment { color rgb <0.80, 0.12, 0.08> }
  finish { diffuse 0.8 specular 0.3 roughness 0.05 }
}

sphere {
  <0.3, 0.7, 0.4>, 0.7
  pigment { color rgb <0.90, 0.90, 0.92> }
  finish { reflection { 0.6 } specular 0.8 roughness 0.01 diffuse 0.3 }
}

cylinder {
  <1.6, 0, -0.6>, <1.6, 1.6, -0.6>, 0.45
  pigment { color rgb <0.10, 0.25, 0.75> }
  finish { diffuse 0.8 specular 0.5 roughness 0.02 }
}
