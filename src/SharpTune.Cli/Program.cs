using System.Reflection;
foreach (var t in new[]{typeof(TorchSharp.torch.nn.functional), typeof(TorchSharp.torch), typeof(TorchSharp.torch.Tensor), typeof(TorchSharp.DisposeScope)})
foreach (var m in t.GetMethods(BindingFlags.Public|BindingFlags.Static|BindingFlags.Instance))
  if (new[]{"scaled_dot","gelu","DisposeScope","multinomial","cross_entropy","repeat_interleave","index_copy","rsqrt", "set_num_threads","get_num_threads","manual_seed","sort","cumsum","linear","addmm","layer_norm","rms_norm","where","masked_fill"}.Any(s=>m.Name.Contains(s)))
    Console.WriteLine(t.Name+"."+m.Name+"("+string.Join(", ", m.GetParameters().Select(p=>p.ParameterType.Name+" "+p.Name+(p.HasDefaultValue?"="+p.DefaultValue:"")))+")");
